/**
 * IST0106 SchemaValidationError and IST0133 SchemaWarning: config-validation's verdict on each
 * config, on the line of the offending field. Configs with errors are returned apart so the other
 * analyzers never read a malformed spec.
 */
import {
  formatPath,
  type Config,
  type ConfigIssue,
  type FieldPath,
  type ResourceRef,
  type SourceLocation,
} from '@mesh/config-model';
import { validateConfig } from '@mesh/config-validation';
import type { Message } from '../message';
import { SchemaValidationError, SchemaWarning, type MessageType } from '../message-types';

export function validateForAnalysis(
  configs: readonly Config[],
  lineOf: (config: Config, path: FieldPath) => number | undefined,
): { valid: Config[]; messages: Message[] } {
  const valid: Config[] = [];
  const messages: Message[] = [];
  for (const config of configs) {
    const { errors, warnings } = validateConfig(config);
    const about = (issue: ConfigIssue): MessageSubject => {
      const line = issue.path.length > 0 ? lineOf(config, issue.path) : undefined;
      return {
        resource: { kind: config.kind, namespace: config.namespace, name: config.name },
        ...(config.source ? { source: { file: config.source.file, line: line ?? config.source.line } } : {}),
      };
    };
    for (const issue of errors) messages.push(schemaMessage(SchemaValidationError, issue, about(issue)));
    for (const issue of warnings) {
      if (!restatedByAnalyzer(config, issue)) messages.push(schemaMessage(SchemaWarning, issue, about(issue)));
    }
    if (errors.length === 0) valid.push(config);
  }
  return { valid, messages };
}

/**
 * IST0106 messages for issues found while reading objects outside the files (e.g. what a cluster
 * source refused); each issue names its resource.
 */
export function issueMessages(issues: readonly ConfigIssue[]): Message[] {
  return issues.map((issue) =>
    schemaMessage(issue.severity === 'error' ? SchemaValidationError : SchemaWarning, issue, {
      resource: issue.resource ?? { kind: '<unknown kind>', namespace: '', name: '<unnamed>' },
    }),
  );
}

/** The resource and place a message is about. */
export interface MessageSubject {
  readonly resource: ResourceRef;
  readonly source?: SourceLocation;
}

/** A message about one validation issue: `spec.servers[0].port: ...` on the issue's own resource and place if it has them. */
export function schemaMessage(type: MessageType<[string]>, issue: ConfigIssue, subject: MessageSubject): Message {
  const field = formatPath(issue.path);
  // Envelope messages already name their field ("metadata.name is required").
  const detail = field === '' || issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  const source = issue.source ?? subject.source;
  return {
    code: type.code,
    name: type.name,
    level: type.level,
    resource: issue.resource ?? subject.resource,
    ...(source ? { source } : {}),
    message: type.text(detail),
    documentationUrl: type.documentationUrl,
  };
}

/**
 * Some of config-validation's warnings say what an analyzer reports with Istio's code: VirtualService
 * rules that can never match (IST0130, IST0131) and Service ports whose name gives no protocol
 * (IST0118). Those warnings are not repeated as IST0133. They are recognised by where they are and
 * how config-validation words them; a spec pins this, so a change of wording fails a test instead
 * of silently doubling the messages.
 */
function restatedByAnalyzer(config: Config, issue: ConfigIssue): boolean {
  const [spec, section, , field] = issue.path;
  if (spec !== 'spec') return false;
  if (config.kind === 'VirtualService') {
    const onRule = section === 'http' || section === 'tcp' || section === 'tls';
    const atRuleOrMatch = issue.path.length === 3 || (issue.path.length === 5 && field === 'match');
    return onRule && atRuleOrMatch && /^(unreachable|never used):/.test(issue.message);
  }
  if (config.kind === 'Service') {
    return section === 'ports' && field === 'name' && issue.message.includes('does not declare its protocol');
  }
  return false;
}
