import { editNames, internNames, NO_NAMES } from './name-sets';

describe('interned name sets', () => {
  it('gives equal sets as one object, whatever the order, without the wildcard', () => {
    const a = internNames(['outbound|80||a.svc', 'outbound|80||b.svc', '*']);
    const b = internNames(['outbound|80||b.svc', 'outbound|80||a.svc']);
    expect(b).toBe(a);
    expect([...a].sort()).toEqual(['outbound|80||a.svc', 'outbound|80||b.svc']);
    expect(internNames(['outbound|80||a.svc'])).not.toBe(a);
  });

  it('answers no names with the shared empty set', () => {
    expect(internNames([])).toBe(NO_NAMES);
    expect(internNames(['*'])).toBe(NO_NAMES);
  });

  it('edits into another interned set and leaves the original as it was', () => {
    const base = internNames(['x', 'y']);
    const edited = editNames(base, ['z'], ['x']);
    expect([...edited].sort()).toEqual(['y', 'z']);
    expect([...base].sort()).toEqual(['x', 'y']);
    expect(edited).toBe(internNames(['z', 'y']));
  });

  it('returns the same set when an edit changes nothing', () => {
    const base = internNames(['x', 'y']);
    expect(editNames(base, ['x', '*'], ['absent'])).toBe(base);
  });
});
