import { describe } from "vitest";
import { memoryStores } from "#core/store/memory.ts";
import { storeContract } from "../support/store-contract.ts";

describe("the in-memory stores", () => {
  storeContract((clock) => memoryStores(clock));
});
