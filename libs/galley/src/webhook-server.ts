/**
 * Galley's validating admission webhook: HTTPS (fastify) serving `POST /validate` with
 * admission.k8s.io/v1 AdmissionReviews, and `GET /ready`. The API server is the only expected
 * client, but anything can reach the port, so every malformed request gets a 4xx JSON answer and
 * one log line, never a 500 or a crash.
 */
import fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { admissionReviewResponse, parseAdmissionReview } from './admission-review';
import { reviewAdmission, type AdmissionValidator } from './admission';

/** Istio's webhook port (istiod serves /inject and /validate there). */
export const DEFAULT_WEBHOOK_PORT = 15017;

/**
 * The API server caps request bodies at 3 MiB; an AdmissionReview of an UPDATE carries the object
 * twice (object and oldObject), so twice that is the most a legitimate review needs.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 6 * 1024 * 1024;

export interface WebhookLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One line per event on stderr, prefixed with the component and the level. */
export const stderrLog: WebhookLog = {
  info: (message) => process.stderr.write(`galley info: ${message}\n`),
  warn: (message) => process.stderr.write(`galley warn: ${message}\n`),
  error: (message) => process.stderr.write(`galley error: ${message}\n`),
};

export interface ValidationWebhookOptions {
  /** PEM certificate (chain, leaf first) and private key the webhook serves. */
  readonly tls: { readonly cert: string; readonly key: string };
  readonly validate: AdmissionValidator;
  /** Default 15017; 0 picks a free port (tests). */
  readonly port?: number;
  /** Default 0.0.0.0. */
  readonly host?: string;
  readonly bodyLimitBytes?: number;
  readonly log?: WebhookLog;
}

export interface ValidationWebhook {
  /** The fastify instance, for adding routes or injecting requests. */
  readonly server: FastifyInstance;
  /** Starts listening; resolves with the bound address and port. */
  listen(): Promise<{ address: string; port: number }>;
  /** Stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
}

interface ErrorBody {
  readonly code: number;
  readonly error: string;
  readonly message: string;
}

export function createValidationWebhook(options: ValidationWebhookOptions): ValidationWebhook {
  const log = options.log ?? stderrLog;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const server = fastify({
    https: { cert: options.tls.cert, key: options.tls.key },
    bodyLimit,
    logger: false,
    // Istio serves both /validate and /validate/.
    routerOptions: { ignoreTrailingSlash: true },
  });
  // Only application/json is an AdmissionReview; fastify's default text/plain parser would let
  // other bodies reach the handler, so every other type is answered 415 by fastify itself.
  server.removeContentTypeParser('text/plain');

  const reject = (
    reply: { code(status: number): { send(body: ErrorBody): unknown } },
    status: number,
    error: string,
    message: string,
    context: string,
  ) => {
    log.warn(`${context}: ${status} ${message}`);
    return reply.code(status).send({ code: status, error, message });
  };

  server.post('/validate', async (request, reply) => {
    const context = `POST ${request.url} from ${request.ip}`;
    const parsed = parseAdmissionReview(request.body);
    if (!parsed.ok) {
      const where = parsed.field ? `${parsed.field}: ` : '';
      return reject(reply, 400, 'Bad Request', `not an AdmissionReview: ${where}${parsed.message}`, context);
    }
    const decision = reviewAdmission(parsed.request, options.validate);
    if (decision.outcome === 'failed') log.error(decision.summary);
    else if (decision.outcome === 'denied') log.info(decision.summary);
    return reply.code(200).send(admissionReviewResponse(decision.response));
  });

  server.get('/ready', async (_request, reply) => reply.code(200).type('text/plain').send('ok\n'));

  server.setNotFoundHandler((request, reply) =>
    reject(
      reply,
      404,
      'Not Found',
      `no route ${request.method} ${request.url}`,
      `${request.method} from ${request.ip}`,
    ),
  );

  // Body parsing failures (not JSON, empty, too large, wrong content type) arrive here with a 4xx
  // status from fastify; anything else is a bug of ours and is the only way to a 500.
  server.setErrorHandler((error: FastifyError, request, reply) => {
    const context = `${request.method} ${request.url} from ${request.ip}`;
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reject(reply, status, httpReason(status), clientMessage(error, status, bodyLimit), context);
    }
    log.error(`${context}: 500 ${error.stack ?? error.message}`);
    return reply.code(500).send({ code: 500, error: 'Internal Server Error', message: 'internal error' });
  });

  return {
    server,
    async listen() {
      await server.listen({ port: options.port ?? DEFAULT_WEBHOOK_PORT, host: options.host ?? '0.0.0.0' });
      const address = server.server.address() as AddressInfo;
      return { address: address.address, port: address.port };
    },
    async close() {
      await server.close();
    },
  };
}

function clientMessage(error: FastifyError, status: number, bodyLimit: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'invalid Content-Type, want application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than ${bodyLimit} bytes`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'no body found';
    default:
      // JSON syntax errors and prototype-poisoning refusals carry a useful message of their own.
      return error.message || httpReason(status);
  }
}

function httpReason(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 404:
      return 'Not Found';
    case 413:
      return 'Payload Too Large';
    case 415:
      return 'Unsupported Media Type';
    default:
      return 'Client Error';
  }
}
