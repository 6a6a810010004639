/**
 * Zoho data centres (reference zoho-cliq.md §1): the Cliq API host and the Zoho Accounts (OAuth) host
 * of each. `CLIQ_API_URL` / `CLIQ_ACCOUNTS_URL` override them (tests point them at a local fake).
 */
export const CLIQ_DATA_CENTRES = ['com', 'eu', 'in', 'com.au', 'jp', 'com.cn'] as const;
export type CliqDataCentre = (typeof CLIQ_DATA_CENTRES)[number];

export function isCliqDataCentre(value: string): value is CliqDataCentre {
  return (CLIQ_DATA_CENTRES as readonly string[]).includes(value);
}

export function cliqHosts(dataCentre: CliqDataCentre): { apiUrl: string; accountsUrl: string } {
  return { apiUrl: `https://cliq.zoho.${dataCentre}`, accountsUrl: `https://accounts.zoho.${dataCentre}` };
}
