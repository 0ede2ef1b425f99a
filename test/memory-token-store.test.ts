// The memory store keeps the TokenStore contract.
import { MemoryTokenStore } from '../src/stores/memory-token-store.ts';
import { tokenStoreContract } from './support/token-store-contract.ts';

tokenStoreContract('MemoryTokenStore', () => new MemoryTokenStore());
