"""Where is it (在哪里): place mentions in text, the city's gazetteer (districts and grid cells), locating a case."""
