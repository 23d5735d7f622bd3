// The "Remind me" form starts with the zone of the page's event, venue or observance. The reader's
// own zone is the better guess: this puts the browser's zone in its place when the server knows it
// (it is in the field's list). Without this script the page's zone stays, a valid choice still.
"use strict";

(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) {
        return;
    }
    for (const input of document.querySelectorAll("input[data-guess-zone='true']")) {
        if ([...(input.list?.options ?? [])].some(option => option.value === zone)) {
            input.value = zone;
        }
    }
})();
