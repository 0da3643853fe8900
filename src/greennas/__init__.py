"""GreenNAS: green hyperparameter search with performance predictors."""
