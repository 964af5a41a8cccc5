"""Do complaints follow the sensors? Lagged count tests per district, false discoveries controlled."""
