"""pmcpost: publish the Pune Municipal Corporation's announcements from YAML files kept in git."""

__version__ = "0.1.0"
