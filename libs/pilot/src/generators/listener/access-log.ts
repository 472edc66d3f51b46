/**
 * The file access log of MeshConfig (`accessLogFile`, `accessLogEncoding`, `accessLogFormat`),
 * attached to HTTP connection managers and TCP proxies when the file is set. The default formats
 * carry Istio's default fields (a format string is a public contract: users' log parsers rely on
 * its fields and their order).
 */
import type { MeshConfig } from '@mesh/config-model';
import { packAny } from '@mesh/xds';
import type { AccessLog } from '@mesh/xds/generated/envoy/config/accesslog/v3/accesslog';
import { FileAccessLog } from '@mesh/xds/generated/envoy/extensions/access_loggers/file/v3/file';
import { WellKnown } from '../common/well-known';

export const DEFAULT_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% ' +
  '%BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ' +
  '"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

export const DEFAULT_JSON_FORMAT: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  route_name: '%ROUTE_NAME%',
};

/** The access logs to attach, or undefined when the mesh logs nothing. */
export function fileAccessLogs(mesh: MeshConfig): AccessLog[] | undefined {
  if (!mesh.accessLogFile) return undefined;
  const config: FileAccessLog =
    mesh.accessLogEncoding === 'JSON'
      ? { path: mesh.accessLogFile, logFormat: { jsonFormat: { ...DEFAULT_JSON_FORMAT } } }
      : {
          path: mesh.accessLogFile,
          logFormat: { textFormatSource: { inlineString: mesh.accessLogFormat || DEFAULT_TEXT_FORMAT } },
        };
  return [{ name: WellKnown.FileAccessLog, typedConfig: packAny(FileAccessLog, config) }];
}
