from cco_tui.cli import main

raise SystemExit(main())
