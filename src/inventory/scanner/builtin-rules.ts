import type { AllowlistSpec, RuleSpec } from './rule-spec.ts';

/**
 * Values that name a secret instead of holding one: environment references and interpolations
 * (`${VAR}`, `${token}-suffix`), template placeholders (`{{ … }}`, `<your-key>`), dotted property paths, constant names,
 * and identifiers made of words. Only for the assignment rules, where the right-hand side may be code.
 */
const REFERENCE_VALUES: AllowlistSpec = {
  regexTarget: 'secret',
  regexes: [
    String.raw`^\$\{[^}]*\}`,
    String.raw`^\$[A-Za-z_][A-Za-z0-9_]*$`,
    String.raw`^%\([^)]*\)s$`,
    String.raw`^\{\{.*\}\}$`,
    String.raw`<[A-Za-z][A-Za-z0-9 _-]*>`,
    String.raw`^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$`,
    String.raw`^[A-Z][A-Z0-9_]*$`,
    String.raw`^[a-z]+(?:_[a-z]+)+$`,
    String.raw`^[a-z]+(?:[A-Z][a-z]+)+$`,
    String.raw`^(?:https?|wss?|file)://[^:@/]+(?:[/?#].*)?$`,
  ],
};

/** Names that hold a secret's address or description, not the secret: `token_url`, `password_field`… */
const DESCRIPTIVE_NAMES: AllowlistSpec = {
  regexTarget: 'match',
  regexes: [String.raw`(?i)^[\w.-]*(?:url|uri|path|file|name|type|id|field|header|prefix|endpoint|label|hint|placeholder|pattern|format|regex|length|policy|expir\w*|ttl)["']?\s*(?::=|=>|:|=)`],
};

/**
 * A setting's name containing a secret word. It starts at the beginning of a name (the lookbehind)
 * and reaches the word lazily, so the regex does not retry from every character of a long line.
 */
const SECRET_NAME = String.raw`(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|credentials?|private[_-]?key)[A-Za-z0-9_.-]*`;

const GENERIC_KEYWORDS = ['passw', 'pwd', 'secret', 'token', 'apikey', 'api_key', 'api-key', 'access_key', 'accesskey', 'access-key', 'credential', 'private_key', 'private-key', 'privatekey'];

/**
 * The built-in rule set, most specific first: when two findings overlap, the one of the earlier
 * rule is kept (a Stripe key in `secret = "sk_live_…"` is a Stripe key, not a generic secret).
 */
export const BUILTIN_RULES: readonly RuleSpec[] = [
  {
    id: 'gcp-service-account-key',
    description: 'Google Cloud service-account key file (JSON with type service_account and a private_key)',
    regex: String.raw`"type"\s*:\s*"service_account"[\s\S]{0,8192}?"private_key"\s*:\s*"(?<secret>-----BEGIN[A-Z ]*PRIVATE KEY-----[^"]{64,}?-----END[A-Z ]*PRIVATE KEY-----(?:\\n)?)"|"private_key"\s*:\s*"(?<secret2>-----BEGIN[A-Z ]*PRIVATE KEY-----[^"]{64,}?-----END[A-Z ]*PRIVATE KEY-----(?:\\n)?)"[\s\S]{0,8192}?"type"\s*:\s*"service_account"`,
    keywords: ['service_account'],
    entropy: 4,
    severity: 'critical',
    check: 'STO-02',
    multiline: true,
  },
  {
    id: 'pem-private-key',
    description: 'PEM private key (RSA, EC, DSA, PKCS#8, encrypted PKCS#8)',
    regex: String.raw`-----BEGIN (?<kind>(?:RSA |EC |DSA |ENCRYPTED )?)PRIVATE KEY-----(?<secret>[\s\S]{64,32768}?)-----END \k<kind>PRIVATE KEY-----`,
    keywords: ['private key-----'],
    entropy: 4,
    severity: 'critical',
    check: 'STO-01',
    multiline: true,
  },
  {
    id: 'openssh-private-key',
    description: 'OpenSSH private key',
    regex: String.raw`-----BEGIN OPENSSH PRIVATE KEY-----(?<secret>[\s\S]{64,65536}?)-----END OPENSSH PRIVATE KEY-----`,
    keywords: ['openssh private key'],
    entropy: 4,
    severity: 'critical',
    check: 'STO-01',
    multiline: true,
  },
  {
    id: 'pgp-private-key',
    description: 'OpenPGP private key block',
    regex: String.raw`-----BEGIN PGP PRIVATE KEY BLOCK-----(?<secret>[\s\S]{64,262144}?)-----END PGP PRIVATE KEY BLOCK-----`,
    keywords: ['pgp private key block'],
    entropy: 4,
    severity: 'critical',
    check: 'STO-01',
    multiline: true,
  },
  {
    id: 'pkcs12-file',
    description: 'PKCS#12 / PFX key store (recognised by its DER header, whatever the file name)',
    detector: 'pkcs12',
    severity: 'high',
    check: 'STO-01',
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access key (assigned to an aws_secret_access_key name, or next to an access key id)',
    regex: [
      String.raw`(?i)(?:aws)?[_-]?secret[_-]?access[_-]?key["']?\s*(?::=|=>|:|=)\s*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
      String.raw`(?:AKIA|ASIA)[A-Z2-7]{16}[\s\S]{0,256}?(?<![A-Za-z0-9/+])(?<secret2>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
      String.raw`(?<![A-Za-z0-9/+])(?<secret3>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])[\s\S]{0,256}?(?:AKIA|ASIA)[A-Z2-7]{16}`,
    ].join('|'),
    keywords: ['secret_access_key', 'secret-access-key', 'secretaccesskey', 'akia', 'asia'],
    entropy: 4.3,
    severity: 'critical',
    check: 'STO-02',
    multiline: true,
  },
  {
    id: 'aws-access-key-id',
    description: 'AWS access key id (AKIA long-term, ASIA temporary)',
    regex: String.raw`(?<![A-Za-z0-9])(?<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])`,
    keywords: ['akia', 'asia', 'abia', 'acca'],
    entropy: 3,
    severity: 'high',
    check: 'STO-02',
  },
  {
    id: 'azure-storage-account-key',
    description: 'Azure Storage account key in a connection string (AccountKey=)',
    regex: String.raw`(?i)AccountKey\s*=\s*(?<secret>[A-Za-z0-9+/]{40,100}={0,2})`,
    keywords: ['accountkey'],
    entropy: 4,
    severity: 'critical',
    check: 'STO-02',
    // The Azurite/Storage Emulator key is published by Microsoft and works only locally.
    allowlist: { regexes: ['^Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==$'] },
  },
  {
    id: 'azure-shared-access-key',
    description: 'Azure Service Bus / Event Hubs shared access key in a connection string (SharedAccessKey=)',
    regex: String.raw`(?i)SharedAccessKey\s*=\s*(?<secret>[A-Za-z0-9+/]{40,100}={0,2})`,
    keywords: ['sharedaccesskey'],
    entropy: 4,
    severity: 'high',
    check: 'STO-02',
  },
  {
    id: 'slack-token',
    description: 'Slack token (xoxb-, xoxa-, xoxp-, xoxr-, xoxs-)',
    regex: String.raw`(?<![A-Za-z0-9])(?<secret>xox[baprs]-[0-9A-Za-z-]{10,250})(?![A-Za-z0-9-])`,
    keywords: ['xox'],
    entropy: 3.8,
    severity: 'high',
    check: 'STO-02',
  },
  {
    id: 'github-token',
    description: 'GitHub token (ghp_, gho_, ghs_, ghu_, ghr_, github_pat_)',
    regex: String.raw`(?<![A-Za-z0-9_])(?<secret>(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])`,
    keywords: ['ghp_', 'gho_', 'ghs_', 'ghu_', 'ghr_', 'github_pat_'],
    entropy: 3.5,
    severity: 'high',
    check: 'STO-02',
  },
  {
    id: 'stripe-live-key',
    description: 'Stripe live secret or restricted key (sk_live_, rk_live_)',
    regex: String.raw`(?<![A-Za-z0-9_])(?<secret>(?:sk|rk)_live_[A-Za-z0-9]{20,247})(?![A-Za-z0-9_])`,
    keywords: ['sk_live_', 'rk_live_'],
    entropy: 3.5,
    severity: 'critical',
    check: 'STO-02',
  },
  {
    id: 'keyward-token',
    description: 'Keyward API token (kwr_ root, kwt_ service, kwi_ identity)',
    regex: String.raw`(?<![A-Za-z0-9_-])(?<secret>kw[rti]_[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])`,
    keywords: ['kwr_', 'kwt_', 'kwi_'],
    entropy: 3.5,
    severity: 'critical',
    check: 'STO-02',
  },
  {
    id: 'jwt-signing-secret',
    description: 'JWT / HMAC signing secret assigned in code or configuration (jwt_secret, signing_key, hmac_key…)',
    regex: String.raw`(?i)(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?:(?:jwt|hmac)[_.-]?(?:signing[_.-]?)?(?:secret|key)(?:[_.-]?key)?|signing[_.-]?(?:secret|key))["']?\s*(?::=|=>|:|=)\s*(?:(?<q>["'${'`'}])(?<secret>[^"'${'`'}\r\n]{12,512}?)\k<q>|(?<secret2>[^\s"'${'`'};,()\[\]{}<>]{16,512}))`,
    keywords: ['jwt', 'hmac', 'signing'],
    entropy: 3,
    severity: 'high',
    check: 'STO-03',
    allowlist: [REFERENCE_VALUES, DESCRIPTIVE_NAMES],
  },
  {
    id: 'generic-secret-assignment',
    description: 'High-entropy string assigned to a password, secret, token or API key name',
    regex: String.raw`(?i)(?<name>${SECRET_NAME})["']?\s*(?::=|=>|:|=)\s*(?<q>["'${'`'}])(?<secret>[^"'${'`'}\s\\]{8,512}?)\k<q>`,
    keywords: GENERIC_KEYWORDS,
    entropy: 3.5,
    severity: 'medium',
    check: 'STO-03',
    allowlist: [REFERENCE_VALUES, DESCRIPTIVE_NAMES],
  },
  {
    id: 'generic-secret-env',
    description: 'High-entropy unquoted value of a password, secret, token or API key setting (.env, properties, YAML)',
    regex: String.raw`(?i)^[ \t]*(?:export[ \t]+)?(?<name>${SECRET_NAME})[ \t]*[=:][ \t]*(?<secret>[^\s"'${'`'}#;,()\[\]{}<>]{8,512})[ \t]*(?:#.*)?$`,
    keywords: GENERIC_KEYWORDS,
    entropy: 3.5,
    severity: 'medium',
    check: 'STO-03',
    allowlist: [REFERENCE_VALUES, DESCRIPTIVE_NAMES],
  },
];

/**
 * The built-in allowlist for every rule (a rule file can turn it off with `useDefaultAllowlist:
 * false`): test fixture folders and example files hold sample keys by design, and values that say
 * they are placeholders are not secrets.
 */
export const DEFAULT_ALLOWLIST: AllowlistSpec = {
  paths: ['**/test/fixtures/**', '**/tests/fixtures/**', '**/__fixtures__/**', '**/testdata/**', '*.example', '*.sample'],
  regexes: [String.raw`(?i)example|placeholder|dummy|redacted|changeme|xxxx|\*\*\*\*`],
  regexTarget: 'secret',
};
