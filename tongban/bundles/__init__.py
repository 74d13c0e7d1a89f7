"""一事联办 (one-thing bundles): themes, the combined form, fan-out to member cases."""
