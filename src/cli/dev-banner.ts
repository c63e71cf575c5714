export interface DevBannerFacts {
  readonly address: string;
  readonly rootToken: string;
  readonly unsealShare: string;
  readonly dataDir: string;
}

/** What `keyward server --dev` prints once listening: everything needed to talk to it, and a warning. */
export function devBanner(facts: DevBannerFacts): string {
  return [
    '',
    'Keyward is running in dev mode: initialised and unsealed with a single unseal share.',
    '',
    `  Address:       ${facts.address}`,
    `  Root token:    ${facts.rootToken}`,
    `  Unseal share:  ${facts.unsealShare}`,
    '',
    'Try it:',
    `  export KEYWARD_ADDR=${facts.address}`,
    `  export KEYWARD_TOKEN=${facts.rootToken}`,
    '  curl -s -H "Authorization: Bearer $KEYWARD_TOKEN" $KEYWARD_ADDR/v1/keys',
    '',
    `dev mode: data is temporary and lives in ${facts.dataDir}`,
    'It is deleted when the server stops. Never use dev mode for real keys.',
    '',
  ].join('\n');
}
