"""Discovery: from scrape jobs and SD target groups to the set of allocatable targets."""
