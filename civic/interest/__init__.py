"""Interest calls (manifestazioni di interesse): citizens declare that they would use, or run, an initiative
such as a coworking space, with what they need; councillors read the demand and contact consenting
managers."""
