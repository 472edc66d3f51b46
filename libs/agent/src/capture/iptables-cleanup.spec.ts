import { readFileSync } from 'node:fs';
import { cleanupLines, parseSavedTable } from './iptables-cleanup';

// Real `iptables-save` output (iptables 1.8.9, nf_tables) of a namespace holding the dual-stack
// capture rules, a user chain MESH_KEEP with a jump from OUTPUT, a PREROUTING rule of the user's,
// and (in the filter table) an unrelated chain that happens to be called ISTIO_OUTPUT.
const saved = readFileSync(new URL('../../testdata/iptables-save-with-capture.txt', import.meta.url), 'utf8');

describe('parseSavedTable', () => {
  it('reads the chains and rules of the nat table only', () => {
    const table = parseSavedTable(saved, 'nat');
    expect(table.chains).toEqual([
      'PREROUTING',
      'INPUT',
      'OUTPUT',
      'POSTROUTING',
      'ISTIO_INBOUND',
      'ISTIO_IN_REDIRECT',
      'ISTIO_OUTPUT',
      'ISTIO_REDIRECT',
      'MESH_KEEP',
    ]);
    expect(table.rules[0]).toBe('-A PREROUTING -p udp -j RETURN');
    expect(table.rules).toContain('-A MESH_KEEP -j RETURN');
  });

  it('reads another table when asked', () => {
    expect(parseSavedTable(saved, 'filter')).toEqual({
      chains: ['INPUT', 'FORWARD', 'OUTPUT', 'ISTIO_OUTPUT'],
      rules: ['-A OUTPUT -p tcp -j ISTIO_OUTPUT'],
    });
  });
});

describe('cleanupLines', () => {
  it('removes the jumps into the capture chains, then flushes and deletes those chains, and nothing else', () => {
    expect(cleanupLines(parseSavedTable(saved, 'nat'))).toEqual([
      '-D PREROUTING -p tcp -j ISTIO_INBOUND',
      '-D OUTPUT -p tcp -j ISTIO_OUTPUT',
      '-F ISTIO_INBOUND',
      '-F ISTIO_REDIRECT',
      '-F ISTIO_IN_REDIRECT',
      '-F ISTIO_OUTPUT',
      '-X ISTIO_INBOUND',
      '-X ISTIO_REDIRECT',
      '-X ISTIO_IN_REDIRECT',
      '-X ISTIO_OUTPUT',
    ]);
  });

  it('has nothing to do on a table without capture', () => {
    const clean = '*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 10.1.1.1/32 -j RETURN\nCOMMIT\n';
    expect(cleanupLines(parseSavedTable(clean))).toEqual([]);
  });

  it('removes a chain left without its jump (an interrupted earlier run)', () => {
    const partial =
      '*nat\n:OUTPUT ACCEPT [0:0]\n:ISTIO_REDIRECT - [0:0]\n-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001\nCOMMIT\n';
    expect(cleanupLines(parseSavedTable(partial))).toEqual(['-F ISTIO_REDIRECT', '-X ISTIO_REDIRECT']);
  });

  it('judges a rule by its real target, not by a comment that names a capture chain', () => {
    const commented = [
      '*nat',
      ':OUTPUT ACCEPT [0:0]',
      '-A OUTPUT -m comment --comment "not -j ISTIO_OUTPUT" -j ACCEPT',
      'COMMIT',
    ].join('\n');
    expect(cleanupLines(parseSavedTable(commented))).toEqual([]);
  });
});
