/**
 * Migration 13 on both store backends: the tenant's IPFS publishing default and each entry's public
 * flag, and `isPublicBlock`, the question the network view of the blockstore asks for every block.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewEntry, Store } from "../../server/src/store/types.ts";
import { TEST_BACKENDS, type TestBackend } from "../helpers/app.ts";
import { newEntry, openFreshStore } from "../helpers/store.ts";

const multihash = () => "1220" + randomBytes(32).toString("hex");

const openFresh = (backend: TestBackend) => openFreshStore(backend, "pp-store-public-");

describe.each(TEST_BACKENDS)("publishing to the IPFS network in the store (migration 13, %s)", (backend) => {
  let store: Store;
  let close: () => Promise<void>;
  let tenantId: string;
  const entry = (over: Partial<NewEntry> = {}): NewEntry => newEntry(tenantId, over);

  beforeAll(async () => {
    ({ store, close } = await openFresh(backend));
    tenantId = (await store.createTenant("acme")).id;
  });
  afterAll(async () => {
    await close?.();
  });

  it("keeps the tenant's publishing default, off until set, beside requireSignedClaims", async () => {
    expect(await store.getTenantSettings(tenantId)).toEqual({ requireSignedClaims: false, publicContent: false });
    await store.setTenantSettings(tenantId, { requireSignedClaims: true, publicContent: true });
    expect(await store.getTenantSettings(tenantId)).toEqual({ requireSignedClaims: true, publicContent: true });
    await store.setTenantSettings(tenantId, { requireSignedClaims: true, publicContent: false });
    expect(await store.getTenantSettings(tenantId)).toEqual({ requireSignedClaims: true, publicContent: false });
  });

  it("stores each entry's public flag (default false) and reads it back", async () => {
    await store.insertEntries([entry({ cid: "bafkprivate0", pinStatus: "pinned" }), entry()], []);
    expect(await store.hasPublicContent()).toBe(false);
    const [published, kept, hashOnly] = await store.insertEntries(
      [entry({ cid: "bafkpublished", pinStatus: "pinned", public: true }), entry({ cid: "bafkprivate", pinStatus: "pinned" }), entry()],
      [],
    );
    expect((await store.getEntry(published!.id))?.public).toBe(true);
    expect((await store.getEntry(kept!.id))?.public).toBe(false);
    expect((await store.getEntry(hashOnly!.id))?.public).toBe(false);
    expect(await store.hasPublicContent()).toBe(true);
  });

  it("answers isPublicBlock only for blocks of a DAG under a public entry's root, by multihash", async () => {
    const [shared, onlyPublic, onlyPrivate] = [multihash(), multihash(), multihash()];
    await store.recordDagBlocks("bafyroot-public", [shared, onlyPublic]);
    await store.recordDagBlocks("bafyroot-private", [shared, onlyPrivate]);
    await store.insertEntries([entry({ cid: "bafyroot-private", pinStatus: "pinned" })], []);
    expect(await store.isPublicBlock(shared)).toBe(false);
    expect(await store.isPublicBlock(onlyPublic)).toBe(false); // its root is no entry's yet
    await store.insertEntries([entry({ cid: "bafyroot-public", pinStatus: "pinned", public: true })], []);
    expect(await store.isPublicBlock(shared)).toBe(true); // the same bytes were published by another upload
    expect(await store.isPublicBlock(onlyPublic)).toBe(true);
    expect(await store.isPublicBlock(onlyPrivate)).toBe(false);
    expect(await store.isPublicBlock(multihash())).toBe(false);
  });

  it("lists the roots of published entries (publicOnly) for the node to announce at start", async () => {
    expect((await store.listEntryCids(0, 100, { publicOnly: true })).map((r) => r.cid).sort()).toEqual(["bafkpublished", "bafyroot-public"]);
    expect((await store.listEntryCids(0, 100)).map((r) => r.cid)).toEqual(expect.arrayContaining(["bafkprivate", "bafyroot-private"]));
  });

  it("lists only published content for replication when asked to (publicOnly), everything pinned otherwise", async () => {
    const all = await store.listUnreplicatedCids("https://pinner.example", 100);
    expect(all).toEqual(expect.arrayContaining(["bafkpublished", "bafkprivate", "bafyroot-public", "bafyroot-private"]));
    const published = await store.listUnreplicatedCids("https://pinner.example", 100, { publicOnly: true });
    expect(published.sort()).toEqual(["bafkpublished", "bafyroot-public"]);
  });
});
