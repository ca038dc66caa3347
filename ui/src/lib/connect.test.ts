import { describe, expect, it } from "vitest";
import type { ConnectStep, ConnectUpdate } from "../bindings";
import { applyUpdate, failed, headline, started, stepItems, stepLabel } from "./connect";

const url = "https://mcp.example.com/mcp";
const u = (step: ConnectStep, over: Partial<ConnectUpdate> = {}): ConnectUpdate => ({
  url,
  step,
  issuer: null,
  scopes: [],
  account: null,
  problem: null,
  device_offered: false,
  device_code: null,
  ...over,
});

describe("connect steps", () => {
  it("walk the path in order and keep the issuer once known", () => {
    let v = started(url);
    v = applyUpdate(v, u("registering", { issuer: "https://auth.example.com" }));
    v = applyUpdate(v, u("waiting_for_browser"));
    expect(v.issuer).toBe("https://auth.example.com");
    expect(stepItems(v).map((i) => i.state)).toEqual([
      "done",
      "done",
      "current",
      "pending",
      "pending",
    ]);
    expect(headline(v)).toContain("Waiting for you in the browser");
  });

  it("put a code entered on another device in the browser's place", () => {
    let v = applyUpdate(started(url), u("waiting_for_browser", { device_offered: true }));
    expect(v.deviceOffered).toBe(true);
    const code = {
      user_code: "WDJB-MJHT",
      verification_uri: "https://auth.example.com/device",
      verification_uri_complete: null,
      qr_svg: null,
    };
    // "Use a code instead" starts over: the steps already done stay done.
    v = applyUpdate(v, u("discovering"));
    v = applyUpdate(v, u("waiting_for_code", { device_code: code }));
    expect(v.deviceCode).toEqual(code);
    expect(stepItems(v).map((i) => [i.label, i.state])).toEqual([
      ["Discovering how this server signs in", "done"],
      ["Registering Latchkey", "done"],
      ["Waiting for you to enter the code", "current"],
      ["Exchanging the code", "pending"],
      ["Connected", "pending"],
    ]);
    expect(headline(v)).toBe("Enter the code WDJB-MJHT at https://auth.example.com/device");
  });

  it("name the issuer while registering", () => {
    expect(stepLabel("registering", "https://auth.example.com")).toBe(
      "Registering with https://auth.example.com",
    );
  });

  it("mark where a failure happened and keep its problem", () => {
    let v = started(url);
    v = applyUpdate(v, u("registering"));
    const problem = { kind: "user_must_act" as const, message: "You said no.", detail: "access_denied" };
    v = applyUpdate(v, u("failed", { problem }));
    expect(v.problem).toEqual(problem);
    expect(stepItems(v).map((i) => i.state)).toEqual([
      "done",
      "failed",
      "pending",
      "pending",
      "pending",
    ]);
  });

  it("let the first final update win over the command's repeat of it", () => {
    let v = applyUpdate(started(url), u("cancelled"));
    v = applyUpdate(v, u("failed"));
    expect(v.step).toBe("cancelled");
  });

  it("turn a rejection into a failure, but not after the end", () => {
    const problem = { kind: "invalid" as const, message: "Not a URL.", detail: "parse error" };
    expect(failed(started(url), problem).step).toBe("failed");
    const done = applyUpdate(started(url), u("connected"));
    expect(failed(done, problem).step).toBe("connected");
  });

  it("show every step done once connected, with the account", () => {
    const v = applyUpdate(started(url), u("connected", { account: "ada@example.com" }));
    expect(stepItems(v).every((i) => i.state === "done")).toBe(true);
    expect(headline(v)).toBe("Connected as ada@example.com");
  });

  it("start afresh when a new Connect begins after a finished one", () => {
    let v = applyUpdate(started(url), u("failed"));
    v = applyUpdate(v, u("discovering"));
    expect(v.step).toBe("discovering");
    expect(v.problem).toBeNull();
  });
});
