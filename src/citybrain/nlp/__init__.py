"""Reading citizens' words: a local, offline classifier for free text in Chinese and English."""
