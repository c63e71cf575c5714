import { KeywardError } from '../core/errors.ts';
import { PROVIDERS, type Provider } from './inventory-item.ts';

/** The source of managed keys: computed from the keys table, never stored. */
export const KEYWARD_SOURCE = 'keyward';

/** What follows `import:` (and a connector's `name` override): short, printable, no spaces. */
const SOURCE_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A whole source name: `<provider>:<where>`; `where` is printable ASCII without spaces. */
const SOURCE = /^(import|aws-kms|vault|gcp-kms|azure-kv):([\x21-\x7e]{1,200})$/;

/** `import:<name>` for an import source; `name` may already carry the prefix. */
export function importSource(name: string): string {
  const label = name.startsWith('import:') ? name.slice('import:'.length) : name;
  if (!SOURCE_LABEL.test(label)) {
    throw new KeywardError('validation_failed', 'an import source is named by 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit', { field: 'source' });
  }
  return `import:${label}`;
}

/** Checks a source label given by a caller (the `name` of a discovery). */
export function checkSourceLabel(label: string, field = 'name'): string {
  if (!SOURCE_LABEL.test(label)) throw new KeywardError('validation_failed', `${field} must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`, { field });
  return label;
}

/** The provider a source name belongs to; `validation_failed` for a name that is not a source. */
export function providerOf(source: string): Provider {
  if (source === KEYWARD_SOURCE) return 'keyward';
  const m = SOURCE.exec(source);
  const provider = m?.[1];
  if (!provider || !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new KeywardError('validation_failed', 'not an inventory source name (keyward, import:<name>, aws-kms:…, vault:…, gcp-kms:…, azure-kv:…)', { field: 'source' });
  }
  return provider as Provider;
}

/** A source name for a connector, from parts that come from its configuration or its answers. */
export function connectorSource(provider: Exclude<Provider, 'keyward' | 'import'>, where: string): string {
  const clean = where.replace(/[^\x21-\x7e]/g, '').slice(0, 200);
  const source = `${provider}:${clean}`;
  providerOf(source);
  return source;
}
