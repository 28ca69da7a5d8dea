"""The JSON door: DRF views and serializers over the services and the access policy."""
