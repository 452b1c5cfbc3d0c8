package robust

/* comment never ends func X() {}
