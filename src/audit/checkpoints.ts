import { createPublicKey, sign, verify } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { CheckpointRecord } from '../storage/records.ts';

/** Signs checkpoints; held only while the node is unsealed (its private key is wrapped under the root key). */
export interface CheckpointSigner {
  readonly publicKeyPem: string;
  sign(message: Buffer): Buffer;
}

export function ed25519Signer(privateKeyDer: Buffer, publicKeyPem: string): CheckpointSigner {
  return {
    publicKeyPem,
    sign: (message) => sign(null, message, { key: privateKeyDer, format: 'der', type: 'pkcs8' }),
  };
}

/** The exact text a checkpoint signature covers (a C2SP signed-note-like body). */
export function checkpointText(c: Pick<CheckpointRecord, 'origin' | 'size' | 'chainHash' | 'time'>): Buffer {
  return Buffer.from(`keyward-audit-checkpoint/v1\norigin ${c.origin}\nsize ${c.size}\nhead ${c.chainHash}\ntime ${c.time}\n`, 'utf8');
}

export function signCheckpoint(signer: CheckpointSigner, body: Pick<CheckpointRecord, 'origin' | 'size' | 'chainHash' | 'time'>): CheckpointRecord {
  return { ...body, signature: signer.sign(checkpointText(body)).toString('base64'), publicKey: signer.publicKeyPem };
}

/** True when the signature is valid for `publicKeyPem` (the checkpoint's own key unless a trusted one is given). */
export function checkpointSignatureValid(c: CheckpointRecord, publicKeyPem: string = c.publicKey): boolean {
  try {
    return verify(null, checkpointText(c), createPublicKey(publicKeyPem), Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The checkpoint file kept outside the database (ideally on another volume): one JSON checkpoint
 * a line, appended and fsynced. Deleting audit rows or restoring an old database cannot touch it,
 * so verify can see truncation and rollback.
 */
export class CheckpointFile {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }

  append(c: CheckpointRecord): void {
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(c)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Reads every checkpoint; lines that do not parse are reported, not thrown. */
  read(): { checkpoints: CheckpointRecord[]; badLines: number[] } {
    if (!existsSync(this.path)) return { checkpoints: [], badLines: [] };
    const checkpoints: CheckpointRecord[] = [];
    const badLines: number[] = [];
    readFileSync(this.path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        try {
          const c = JSON.parse(line) as CheckpointRecord;
          if (typeof c.size !== 'number' || typeof c.chainHash !== 'string' || typeof c.signature !== 'string') throw new Error('shape');
          checkpoints.push(c);
        } catch {
          badLines.push(i + 1);
        }
      });
    return { checkpoints, badLines };
  }
}
