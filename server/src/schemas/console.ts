/** Request fields of the console's routes (routes/public/console.ts, routes/tenant/console.ts). */
export const EMAIL = { type: "string", minLength: 3, maxLength: 320 } as const;
/** Length rules (10 to 1,024 characters) are the service's (400 WEAK_PASSWORD), not the schema's. */
export const PASSWORD = { type: "string", minLength: 1, maxLength: 4096 } as const;
export const NAME = { type: "string", maxLength: 200 } as const;
