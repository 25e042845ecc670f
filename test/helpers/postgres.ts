/**
 * Fresh PostgreSQL databases for tests: `CREATE DATABASE pp_test_<random>` through the administration
 * database (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), dropped on `drop()`.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database (disconnecting anyone still connected). */
  drop(): Promise<void>;
}

async function admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database for one test app or suite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `pp_test_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
