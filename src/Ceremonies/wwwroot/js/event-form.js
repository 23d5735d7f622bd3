// The event form's live preview: the start as typed, in the zone chosen for the event, and the same
// moment in the reader's own zone. Browsers have no call for "this local time in that zone", so the
// zone's offset is read back from Intl and the guess corrected once (twice near a clock change).
// The server decides: a time the clocks skip is refused when the form is sent. Without this script
// the form's "Preview the time" button asks the server instead.
"use strict";

(() => {
    const form = document.querySelector("form[data-event-form]");
    const time = window.CeremoniesTime;
    if (!form || !time) {
        return;
    }
    const zoneInput = form.querySelector("[data-zone]");
    const startInput = form.querySelector("[data-start]");
    const output = form.querySelector("[data-preview]");

    // The zone's offset from UTC at an instant, in ms.
    const offsetAt = (ms, zone) => {
        const p = new Intl.DateTimeFormat("en-US", {
            timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
        }).formatToParts(new Date(ms)).reduce((all, part) => ({ ...all, [part.type]: Number(part.value) }), {});
        return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
    };

    // The instant of a local time (fields as UTC ms) in a zone, or null when the clocks skip it.
    const instantOf = (localMs, zone) => {
        let instant = localMs - offsetAt(localMs, zone);
        instant = localMs - offsetAt(instant, zone);
        return instant + offsetAt(instant, zone) === localMs ? instant : null;
    };

    const show = () => {
        const zone = zoneInput.value.trim();
        const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(startInput.value);
        if (!zone || !match) {
            output.hidden = true;
            return;
        }
        let text;
        try {
            const localMs = Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5]);
            const instant = instantOf(localMs, zone);
            text = instant === null
                ? `${match[0].replace("T", " ")} does not exist in ${zone}: the clocks skip it that night.`
                : `Starts ${time.span(new Date(instant), null, zone)}; for you that is ${time.span(new Date(instant), null, time.zone)}.`;
        } catch (e) {
            if (!(e instanceof RangeError)) {
                throw e;
            }
            text = `${zone} is not a time zone this browser knows; choose one from the list.`;
        }
        output.textContent = text;
        output.hidden = false;
    };

    zoneInput.addEventListener("input", show);
    startInput.addEventListener("input", show);
    show();
})();
