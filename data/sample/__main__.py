"""`python -m data.sample`: seed the store with the illustrative sample."""

from data.sample import main

raise SystemExit(main())
