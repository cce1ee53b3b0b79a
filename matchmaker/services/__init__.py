"""Services: load rows, call the domain, write rows. They flush; callers commit."""
