/**
 * gRPC echo backends (real @grpc/grpc-js servers on 127.0.0.1:<free port>), one per version. Each
 * answers `/mesh.e2e.Echo/Echo` with its own version name, so a client can tell which one served a
 * call. Proto-less: the method's messages are raw bytes (identity serializers).
 */
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';

const identity = (bytes: Buffer): Buffer => bytes;

export const ECHO_SERVICE: ServiceDefinition = {
  echo: {
    path: '/mesh.e2e.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface EchoBackend {
  readonly version: string;
  readonly port: number;
  /** Calls this backend answered. */
  readonly served: () => number;
  readonly stop: () => void;
}

export async function startEchoBackend(version: string): Promise<EchoBackend> {
  const server = new Server();
  let served = 0;
  server.addService(ECHO_SERVICE, {
    echo: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      served++;
      callback(null, Buffer.from(version, 'utf8'));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { version, port, served: () => served, stop: () => server.forceShutdown() };
}
