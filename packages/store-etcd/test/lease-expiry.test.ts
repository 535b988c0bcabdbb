import { describe, expect, it } from "vitest";
import { LeaseExpiry } from "../src/lease-expiry.js";

describe("LeaseExpiry", () => {
  it("counts a renewal from when its keep-alive was sent, not from when the answer came", () => {
    const expiry = new LeaseExpiry(1000, 3000);
    expect(expiry.aliveUntilMs).toBe(4000);
    expiry.sent(2000);
    // The answer arrives late; etcd renewed the lease when the keep-alive reached it, after 2000.
    expiry.answered(3);
    expect(expiry.aliveUntilMs).toBe(5000);
  });

  it("matches answers to keep-alives in order, never moving the expiry back", () => {
    const expiry = new LeaseExpiry(0, 3000);
    expiry.sent(1000);
    expiry.sent(2000);
    expiry.answered(3);
    expect(expiry.aliveUntilMs).toBe(4000);
    expiry.answered(1); // a shorter TTL in the answer
    expect(expiry.aliveUntilMs).toBe(4000);
    expiry.answered(3); // nothing unanswered: ignored
    expect(expiry.aliveUntilMs).toBe(4000);
  });

  it("forgets keep-alives of a replaced stream, which will never be answered", () => {
    const expiry = new LeaseExpiry(0, 3000);
    expiry.sent(1000);
    expiry.streamReplaced();
    expiry.sent(5000);
    expiry.answered(3);
    expect(expiry.aliveUntilMs).toBe(8000);
  });

  it("stops recording when too many are unanswered, so late answers count from older sends", () => {
    const expiry = new LeaseExpiry(0, 3000);
    for (let t = 1; t <= 40; t++) expiry.sent(t * 1000);
    for (let i = 0; i < 40; i++) expiry.answered(3);
    // The 32 recorded sends were answered; the last recorded one was sent at 32 000.
    expect(expiry.aliveUntilMs).toBe(35_000);
  });
});
