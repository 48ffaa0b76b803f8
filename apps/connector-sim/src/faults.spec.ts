import { DEMO_FAULTS, FaultSpecError, NO_FAULTS, parseFaults } from './faults';

describe('parseFaults', () => {
  it('reads presets, name=rate lists and a preset with overrides', () => {
    expect(parseFaults('none')).toEqual(NO_FAULTS);
    expect(parseFaults('demo')).toEqual(DEMO_FAULTS);
    expect(parseFaults('duplicates=0.5, reorder=1')).toEqual({ ...NO_FAULTS, duplicates: 0.5, reorder: 1 });
    expect(parseFaults('demo,drops=0,bursts=.2')).toEqual({ ...DEMO_FAULTS, drops: 0, bursts: 0.2 });
    expect(parseFaults('demo,invalid=0.05')).toEqual({ ...DEMO_FAULTS, invalid: 0.05 });
  });

  it.each([
    ['', /no faults given/],
    ['dupes=0.1', /unknown fault "dupes"/],
    ['drops=1.5', /drops must be a rate between 0 and 1, got "1.5"/],
    ['drops=-0.1', /drops must be a rate between 0 and 1/],
    ['drops=NaN', /drops must be a rate/],
    ['drops=1e-1', /drops must be a rate/],
    ['drops', /"drops" is neither a preset/],
    ['drops=0.1,demo', /preset demo must come first/],
    ['invalid=2', /invalid must be a rate between 0 and 1/],
  ])('refuses %p, saying why', (spec, message) => {
    expect(() => parseFaults(spec)).toThrow(FaultSpecError);
    expect(() => parseFaults(spec)).toThrow(message);
  });

  it('names every problem at once', () => {
    expect(() => parseFaults('x=1,drops=2')).toThrow(/unknown fault "x".*; drops must be/);
  });
});
