"""The shell of diagbot: Telegram handlers, the console channel, rendering,
storage, settings. The interview logic itself lives in ``flows``."""
