// The clip page's waveform: shows how far the audio has played, and seeks where it is clicked
// (or with the arrow keys).  No inline scripts: the page's Content-Security-Policy forbids them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const audio = document.getElementById("player");
  const wave = document.getElementById("wave");
  const played = document.getElementById("played");
  if (!audio || !wave || !played) return;
  const show = () => {
    const fraction = audio.duration > 0 ? audio.currentTime / audio.duration : 0;
    played.style.width = `${(fraction * 100).toFixed(2)}%`;
    wave.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
  };
  for (const event of ["timeupdate", "seeked", "loadedmetadata"]) {
    audio.addEventListener(event, show);
  }
  const seek = (fraction) => {
    if (!(audio.duration > 0)) return;
    audio.currentTime = Math.min(Math.max(fraction, 0), 1) * audio.duration;
  };
  wave.addEventListener("click", (event) => {
    const box = wave.getBoundingClientRect();
    seek((event.clientX - box.left) / box.width);
  });
  wave.addEventListener("keydown", (event) => {
    if (!(audio.duration > 0)) return;
    const step = event.key === "ArrowRight" ? 5 : event.key === "ArrowLeft" ? -5 : 0;
    if (step !== 0) {
      seek((audio.currentTime + step) / audio.duration);
      event.preventDefault();
    }
  });
});
