import type { OutgoingHttpHeaders } from 'node:http';
import type { XdsHeaderMutations, XdsHeaderToAdd } from '../../xds/model';
import { applyRequestMutations, applyResponseMutations } from './header-mutations';

const add = (
  name: string,
  value: string,
  action: XdsHeaderToAdd['action'] = 'append',
  keepEmptyValue = false,
): XdsHeaderToAdd => ({
  name,
  value,
  action,
  keepEmptyValue,
});
const level = (requestHeadersToAdd: XdsHeaderToAdd[], requestHeadersToRemove: string[] = []): XdsHeaderMutations => ({
  requestHeadersToAdd,
  requestHeadersToRemove,
  responseHeadersToAdd: requestHeadersToAdd,
  responseHeadersToRemove: requestHeadersToRemove,
});

describe('header mutations', () => {
  it('applies the four append actions', () => {
    const headers: OutgoingHttpHeaders = { a: '1', b: '1', c: '1' };
    applyRequestMutations(headers, [
      level([
        add('a', '2'),
        add('b', '2', 'add_if_absent'),
        add('n', 'new', 'add_if_absent'),
        add('c', '2', 'overwrite_or_add'),
        add('o', 'x', 'overwrite_if_exists'),
      ]),
    ]);
    expect(headers).toEqual({ a: ['1', '2'], b: '1', c: '2', n: 'new' });
  });

  it('removes before adding on each level, levels in order, and skips empty values unless kept', () => {
    const headers: OutgoingHttpHeaders = { secret: 'x' };
    applyResponseMutations(headers, [
      level([add('secret', 'replaced'), add('empty', ''), add('kept', '', 'append', true)], ['secret']),
      level([add('order', 'second', 'overwrite_or_add')]),
    ]);
    expect(headers).toEqual({ secret: 'replaced', kept: '', order: 'second' });
    applyResponseMutations(headers, [
      level([add('order', 'first', 'overwrite_or_add')]),
      level([add('order', 'last', 'overwrite_or_add')]),
    ]);
    expect(headers.order).toBe('last');
  });
});
