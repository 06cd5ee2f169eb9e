"""The relying party: this Django site signs its users in through Hydra."""
