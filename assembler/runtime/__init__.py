"""What a build needs at run time, whatever it makes: the cache, the output folder and its lock,
interrupts, and work on two cores."""
