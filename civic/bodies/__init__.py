"""Bodies (enti): the public bodies that own consultations, possibly nested."""
