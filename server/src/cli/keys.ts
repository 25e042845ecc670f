/**
 * `npm run keys -- create --tenant acme [--label "design team"]` prints a new API key (shown once).
 * `npm run keys -- list --tenant acme`, `npm run keys -- revoke <key-id>`.
 * `npm run keys -- require-signed-claims --tenant acme on|off`: refuse (400 SIGNATURE_REQUIRED) the
 * tenant's stamps that carry no claimant signature.
 * `npm run keys -- public-content --tenant acme on|off`: publish the tenant's later uploads to the IPFS
 * network by default (also PUT /v1/ipfs-settings).
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { openStore } from "../store/index.ts";
import { createTenantKey } from "../services/keys.ts";

const USAGE =
  "usage: npm run keys -- create --tenant NAME [--label TEXT] | list --tenant NAME | revoke KEY_ID | require-signed-claims --tenant NAME on|off | " +
  "public-content --tenant NAME on|off";

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: "string" }, label: { type: "string" }, json: { type: "boolean" } },
  });
  const [command, arg] = positionals;
  const config = loadConfig(process.env);
  const store = await openStore(config);
  try {
    if (command === "create" && values.tenant) {
      const { tenant, key, record } = await createTenantKey(store, values.tenant, values.label ?? null);
      console.log(
        values.json
          ? JSON.stringify({ tenant: tenant.name, keyId: record.id, key })
          : `tenant ${tenant.name}, key id ${record.id}\n${key}\n(store it now: only its hash is kept)`,
      );
      return 0;
    }
    if (command === "list" && values.tenant) {
      const tenant = await store.getTenantByName(values.tenant);
      if (!tenant) throw new Error(`no tenant ${values.tenant}`);
      for (const k of await store.listApiKeys(tenant.id))
        console.log(`${k.id}  ${k.createdAt}  ${k.revokedAt ? `revoked ${k.revokedAt}` : "active"}  ${k.label ?? ""}`);
      return 0;
    }
    if (command === "require-signed-claims" && values.tenant && (arg === "on" || arg === "off")) {
      const tenant = await store.getTenantByName(values.tenant);
      if (!tenant) throw new Error(`no tenant ${values.tenant}`);
      await store.setTenantSettings(tenant.id, { ...(await store.getTenantSettings(tenant.id)), requireSignedClaims: arg === "on" });
      console.log(`tenant ${tenant.name}: signed claims ${arg === "on" ? "required" : "not required"}`);
      return 0;
    }
    if (command === "public-content" && values.tenant && (arg === "on" || arg === "off")) {
      const tenant = await store.getTenantByName(values.tenant);
      if (!tenant) throw new Error(`no tenant ${values.tenant}`);
      await store.setTenantSettings(tenant.id, { ...(await store.getTenantSettings(tenant.id)), publicContent: arg === "on" });
      console.log(
        `tenant ${tenant.name}: later uploads ${arg === "on" ? "published to the IPFS network unless public=false" : "not published unless public=true"}`,
      );
      return 0;
    }
    if (command === "revoke" && arg) {
      const ok = await store.revokeApiKey(arg);
      console.log(ok ? `revoked ${arg}` : `no active key ${arg}`);
      return ok ? 0 : 1;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
