# One block per benchmark program.
