// Preloaded with `node --import` into an app process: its wall clock (Date) runs CLOCK_SHIFT_MS ahead (or behind,
// when negative), as on a host whose clock is off. The monotonic clock (performance.now) is left as it is.
const shift = Number(process.env.CLOCK_SHIFT_MS ?? 0);
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);

class ShiftedDate extends RealDate {
  /** @param {ConstructorParameters<DateConstructor>} args */
  constructor(...args) {
    super(...(args.length === 0 ? [realNow() + shift] : args));
  }

  static now() {
    return realNow() + shift;
  }
}

globalThis.Date = ShiftedDate;
