// The tiny procedure's booth module: it shows the clerk's wave.
import { registerBoothModule } from "/static/kiosk/modules.js";

registerBoothModule({
  name: "tiny",
  frames: {
    tiny_waved(frame) {
      document.body.dataset.tinyWaved = `${frame.greeting} x${frame.times}`;
    },
  },
});
