// Times in the reader's own zone. The server cannot know it: it writes each time as an instant in a
// <time data-viewer-time datetime="…Z" data-end="…Z"> element, worded in UTC, and this rewrites the
// words into the browser's zone, naming it. Without this script the UTC words stay, still correct.
"use strict";

window.CeremoniesTime = (() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

    // Parts by name, so the words are the same in every browser: "Friday 26 February 2027" and "18:00".
    const parts = (date, timeZone) => {
        const format = new Intl.DateTimeFormat("en-GB", {
            timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
        });
        return Object.fromEntries(format.formatToParts(date).map(p => [p.type, p.value]));
    };
    const day = p => `${p.weekday} ${p.day} ${p.month} ${p.year}`;
    const time = p => `${p.hour}:${p.minute}`;

    const span = (start, end, timeZone) => {
        const a = parts(start, timeZone);
        if (!end) {
            return `${day(a)}, ${time(a)} (${timeZone})`;
        }
        const b = parts(end, timeZone);
        return day(a) === day(b)
            ? `${day(a)}, ${time(a)}–${time(b)} (${timeZone})`
            : `${day(a)}, ${time(a)} to ${day(b)}, ${time(b)} (${timeZone})`;
    };

    const rewrite = root => {
        for (const element of root.querySelectorAll("time[data-viewer-time]")) {
            const start = new Date(element.dateTime);
            const end = element.dataset.end ? new Date(element.dataset.end) : null;
            if (Number.isNaN(start.getTime())) {
                continue;
            }
            element.textContent = span(start, end, zone);
            element.dataset.zone = zone;
        }
    };

    rewrite(document);
    return { zone, parts, span };
})();
