/** Platform fee in minor units: 2.9% + 30, rounded half up in integer arithmetic. */
export function platformFeeMinor(amountMinor: number): number {
  return Math.floor((amountMinor * 29 + 500) / 1000) + 30;
}
