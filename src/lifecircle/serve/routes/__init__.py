"""One router per resource of the workspace: sign-in, accounts, overview, map, what-if, projects, targets, pages."""
