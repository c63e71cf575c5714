import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { RouteDeps } from '../route-deps.ts';
import { callContext } from '../request-context.ts';
import { decodeBase64, encodeAndWipe } from '../binary.ts';
import { ERROR_RESPONSES } from '../schemas/common.ts';
import {
  DataKeyBody,
  DataKeyResult,
  DecryptBody,
  DecryptResult,
  EncryptBody,
  EncryptResult,
  MacBody,
  MacResult,
  RandomBody,
  RandomResult,
  ReEncryptBody,
  ReEncryptResult,
  SignBody,
  SignResult,
  VerifyBody,
  VerifyMacBody,
  VerifyResult,
} from '../schemas/crypto.ts';

const tags = ['crypto'];

/** Cryptographic operations; binary fields are base64, and decoded buffers are zero-filled once used. */
export function registerCryptoRoutes(app: FastifyInstance, { engine }: RouteDeps): void {
  app.post<{ Body: Static<typeof EncryptBody> }>(
    '/v1/crypto/encrypt',
    { schema: { tags, summary: 'Encrypt up to 64 KiB under a key', body: EncryptBody, response: { 200: EncryptResult, ...ERROR_RESPONSES } } },
    async (request) => {
      const plaintext = decodeBase64(request.body.plaintext);
      try {
        return await engine.crypto.encrypt(callContext(request), { ...request.body, plaintext });
      } finally {
        plaintext.fill(0);
      }
    },
  );

  app.post<{ Body: Static<typeof DecryptBody> }>(
    '/v1/crypto/decrypt',
    { schema: { tags, summary: 'Decrypt a kw:v1 ciphertext (with the context it was encrypted with)', body: DecryptBody, response: { 200: DecryptResult, ...ERROR_RESPONSES } } },
    async (request): Promise<Static<typeof DecryptResult>> => {
      const result = await engine.crypto.decrypt(callContext(request), request.body);
      return { plaintext: encodeAndWipe(result.plaintext), keyId: result.keyId, version: result.version };
    },
  );

  app.post<{ Body: Static<typeof DataKeyBody> }>(
    '/v1/crypto/generate-data-key',
    { schema: { tags, summary: 'A fresh data key, encrypted under a key (and in plaintext unless refused)', body: DataKeyBody, response: { 200: DataKeyResult, ...ERROR_RESPONSES } } },
    async (request): Promise<Static<typeof DataKeyResult>> => {
      const { plaintext, ...rest } = await engine.crypto.generateDataKey(callContext(request), request.body);
      return { ...rest, ...(plaintext ? { plaintext: encodeAndWipe(plaintext) } : {}) };
    },
  );

  app.post<{ Body: Static<typeof ReEncryptBody> }>(
    '/v1/crypto/re-encrypt',
    { schema: { tags, summary: 'Decrypt and encrypt again (latest version or another key) inside the server', body: ReEncryptBody, response: { 200: ReEncryptResult, ...ERROR_RESPONSES } } },
    async (request) => engine.crypto.reEncrypt(callContext(request), request.body),
  );

  app.post<{ Body: Static<typeof SignBody> }>(
    '/v1/crypto/sign',
    { schema: { tags, summary: 'Sign a message (or a digest) with an asymmetric key', body: SignBody, response: { 200: SignResult, ...ERROR_RESPONSES } } },
    async (request): Promise<Static<typeof SignResult>> => {
      const result = await engine.crypto.sign(callContext(request), { ...request.body, message: decodeBase64(request.body.message) });
      return { ...result, signature: result.signature.toString('base64') };
    },
  );

  app.post<{ Body: Static<typeof VerifyBody> }>(
    '/v1/crypto/verify',
    { schema: { tags, summary: 'Check a signature against the given version or every usable one', body: VerifyBody, response: { 200: VerifyResult, ...ERROR_RESPONSES } } },
    async (request) =>
      engine.crypto.verify(callContext(request), { ...request.body, message: decodeBase64(request.body.message), signature: decodeBase64(request.body.signature) }),
  );

  app.post<{ Body: Static<typeof MacBody> }>(
    '/v1/crypto/mac',
    { schema: { tags, summary: 'Compute an HMAC of a message', body: MacBody, response: { 200: MacResult, ...ERROR_RESPONSES } } },
    async (request): Promise<Static<typeof MacResult>> => {
      const result = await engine.crypto.mac(callContext(request), { ...request.body, message: decodeBase64(request.body.message) });
      return { ...result, mac: result.mac.toString('base64') };
    },
  );

  app.post<{ Body: Static<typeof VerifyMacBody> }>(
    '/v1/crypto/verify-mac',
    { schema: { tags, summary: 'Check an HMAC (constant time)', body: VerifyMacBody, response: { 200: VerifyResult, ...ERROR_RESPONSES } } },
    async (request) => engine.crypto.verifyMac(callContext(request), { ...request.body, message: decodeBase64(request.body.message), mac: decodeBase64(request.body.mac) }),
  );

  app.post<{ Body: Static<typeof RandomBody> }>(
    '/v1/crypto/random',
    { schema: { tags, summary: 'Random bytes from the server’s CSPRNG', body: RandomBody, response: { 200: RandomResult, ...ERROR_RESPONSES } } },
    async (request): Promise<Static<typeof RandomResult>> => ({ random: encodeAndWipe(await engine.crypto.random(callContext(request), request.body.bytes)) }),
  );
}
