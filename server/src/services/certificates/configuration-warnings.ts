/** What an operator must still configure (OPERATOR, PUBLIC_URL) before certificates are issued for a real chain. */

export interface ConfigurationWarning {
  readonly code: "OPERATOR_NOT_CONFIGURED" | "PUBLIC_URL_NOT_CONFIGURED";
  readonly variable: "OPERATOR" | "PUBLIC_URL";
  readonly message: string;
}

/** What an operator must still configure before issuing certificates a court can use. */
export function configurationWarnings(c: { operatorConfigured: boolean; publicUrl?: string | undefined }): ConfigurationWarning[] {
  return [
    ...(c.operatorConfigured
      ? []
      : [
          {
            code: "OPERATOR_NOT_CONFIGURED",
            variable: "OPERATOR",
            message: "OPERATOR is not set: certificates name no operator, and none is issued for a non-development chain",
          } as const,
        ]),
    ...(c.publicUrl
      ? []
      : [
          {
            code: "PUBLIC_URL_NOT_CONFIGURED",
            variable: "PUBLIC_URL",
            message: "PUBLIC_URL is not set: certificates carry no public verification link, and none is issued for a non-development chain",
          } as const,
        ]),
  ];
}
