// The venue display. It does not wait for the server's push to start the minute of silence: it
// knows T from the page, estimates how far this screen's clock is from the server's (NTP-style,
// against /api/time) and switches at T by the corrected clock, so screens in many halls start
// together. The live stream (Server-Sent Events) confirms; if the stream drops, the countdown goes
// on by this screen's clock, and EventSource reconnects by itself.
"use strict";

(() => {
    const body = document.body;
    const occurrence = body.dataset.occurrence;
    const venue = body.dataset.venue;
    const countdown = document.querySelector("[data-testid=countdown]");
    const stateText = document.querySelector("[data-testid=state]");
    const syncText = document.querySelector("[data-testid=sync]");
    const pushText = document.querySelector("[data-testid=push]");

    const samplesPerSync = 5;
    const resyncEveryMs = 60_000;
    const sampleTimeoutMs = 5_000;
    // A timer can be late by several milliseconds (more on a busy machine): it is set to wake this
    // long before the instant, and the last stretch is polled.
    const approachMs = 300;
    // setTimeout takes at most 2^31-1 ms; a longer wait would fire at once. Waits are re-armed.
    const longestTimerMs = 3_600_000;
    const order = ["waiting", "silence", "ended"];
    const stateWords = {
        silence: "Minute of silence.",
        ended: "The minute of silence has ended.",
    };

    let silenceAt = Number(body.dataset.silenceAt);
    let endsAt = Number(body.dataset.silenceEndsAt);
    let offset = 0; // the server's clock minus this screen's, in ms
    let precision = null; // ± ms of the last good estimate
    let ready = false; // the first synchronisation was tried: before it, no switch by an unchecked clock
    let syncing = false;
    let timer = 0;

    // performance.now() does not jump when someone sets the machine's clock; Date.now() can.
    const localNow = () => performance.timeOrigin + performance.now();
    const serverNow = () => localNow() + offset;

    async function sample() {
        const t0 = localNow();
        const response = await fetch("/api/time", {
            cache: "no-store",
            headers: { Accept: "application/json" },
            signal: AbortSignal.timeout(sampleTimeoutMs),
        });
        const t1 = localNow();
        if (!response.ok) {
            throw new Error(`/api/time answered ${response.status}`);
        }
        const { unixMilliseconds } = await response.json();
        return { offset: unixMilliseconds - (t0 + t1) / 2, roundTrip: t1 - t0 };
    }

    // The sample with the shortest round trip is the one least delayed one way more than the
    // other, so its midpoint is the best guess of when the server read its clock.
    async function synchronise() {
        if (syncing) {
            return;
        }
        syncing = true;
        const samples = [];
        try {
            for (let i = 0; i < samplesPerSync; i++) {
                try {
                    samples.push(await sample());
                } catch {
                    // A lost sample is one fewer to choose from; none at all is said below.
                }
            }
        } finally {
            syncing = false;
        }
        if (samples.length > 0) {
            const best = samples.reduce((a, b) => (b.roundTrip < a.roundTrip ? b : a));
            offset = best.offset;
            precision = Math.max(1, Math.ceil(best.roundTrip / 2));
            body.dataset.clockOffset = String(Math.round(offset));
            body.dataset.syncPrecision = String(precision);
            syncText.textContent = `synchronised with the server to ± ${precision} ms (${samples.length} samples)`;
        } else {
            syncText.textContent = precision === null
                ? "server unreachable: counting by this screen's own clock"
                : `server unreachable: counting on from the last synchronisation (± ${precision} ms)`;
        }
        ready = true;
        arm();
    }

    function enter(state, at) {
        if (order.indexOf(state) <= order.indexOf(body.dataset.state)) {
            return;
        }
        body.dataset.state = state;
        if (state === "silence") {
            body.dataset.silenceStartedAt = String(Math.floor(at));
        } else {
            body.dataset.silenceEndedAt = String(Math.floor(at));
        }
        stateText.textContent = stateWords[state];
    }

    function duration(ms) {
        const total = Math.max(0, Math.ceil(ms / 1000));
        const days = Math.floor(total / 86_400);
        const clock = [Math.floor((total % 86_400) / 3600), Math.floor((total % 3600) / 60), total % 60]
            .map((n) => String(n).padStart(2, "0"))
            .join(":");
        return days > 0 ? `${days} d ${clock}` : clock;
    }

    function check() {
        if (!ready) {
            return;
        }
        const now = serverNow();
        if (now >= endsAt) {
            enter("ended", now);
        } else if (now >= silenceAt) {
            enter("silence", now);
        }
        const state = body.dataset.state;
        countdown.textContent = state === "waiting" ? duration(silenceAt - now)
            : state === "silence" ? duration(endsAt - now)
            : "00:00:00";
    }

    function nextInstant() {
        const state = body.dataset.state;
        return state === "waiting" ? silenceAt : state === "silence" ? endsAt : null;
    }

    // Sleep until shortly before the next instant, then poll (a browser runs a nested 1 ms timer
    // every 4 ms or so) until the corrected clock reaches it.
    function arm() {
        clearTimeout(timer);
        const target = nextInstant();
        if (target === null) {
            return;
        }
        const lead = target - serverNow() - approachMs;
        if (lead > 0) {
            timer = setTimeout(arm, Math.min(lead, longestTimerMs));
            return;
        }
        const poll = () => {
            check();
            timer = nextInstant() === target ? setTimeout(poll, 1) : setTimeout(arm, 0);
        };
        poll();
    }

    function listen() {
        const source = new EventSource(`/api/occurrences/${occurrence}/live?venue=${venue}`);
        source.addEventListener("open", () => {
            pushText.textContent = "connected";
        });
        source.addEventListener("error", () => {
            if (body.dataset.state === "ended") {
                source.close();
                return;
            }
            pushText.textContent = "connection lost, reconnecting; the countdown goes on by this screen's clock";
        });
        // A re-planned minute reaches an open display here.
        source.addEventListener("schedule", (event) => {
            const mine = JSON.parse(event.data).venues.find((v) => v.venueId === venue);
            if (mine) {
                silenceAt = Date.parse(mine.beginsAt);
                endsAt = Date.parse(mine.endsAt);
                body.dataset.silenceAt = String(silenceAt);
                body.dataset.silenceEndsAt = String(endsAt);
                arm();
            }
        });
        source.addEventListener("prepare", () => {
            pushText.textContent = "prepare signal received";
        });
        // The server sends "begin" no earlier than T: if this screen's clock could not be trusted
        // to get there first, the push starts the silence, stamped no earlier than T.
        source.addEventListener("begin", () => {
            const late = Math.round(serverNow() - silenceAt);
            enter("silence", Math.max(serverNow(), silenceAt));
            body.dataset.pushConfirmed = "begin";
            pushText.textContent = `the server confirmed the beginning (${late} ms after T by this screen's clock)`;
        });
        source.addEventListener("end", () => {
            enter("ended", Math.max(serverNow(), endsAt));
            body.dataset.pushConfirmed = "end";
            pushText.textContent = "the server confirmed the end";
            // The stream is over; left open, EventSource would reconnect to it again and again.
            source.close();
        });
    }

    listen();
    synchronise();
    setInterval(synchronise, resyncEveryMs);
    // The countdown's face, and a net under the timers: a late timer is caught within a tick.
    setInterval(check, 250);
})();
