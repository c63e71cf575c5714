import type { ConnectorKind } from '../inventory-item.ts';
import { awsKmsConnector } from './aws-kms.ts';
import { azureKeyVaultConnector } from './azure-key-vault.ts';
import type { Connector } from './connector.ts';
import { gcpKmsConnector } from './gcp-kms.ts';
import { vaultConnector } from './vault-transit.ts';

/** Every discovery connector, by kind. */
export const CONNECTORS: Readonly<Record<ConnectorKind, Connector>> = {
  'aws-kms': awsKmsConnector,
  vault: vaultConnector,
  'gcp-kms': gcpKmsConnector,
  'azure-kv': azureKeyVaultConnector,
};
