"""What a placement request asks for."""
import dataclasses


@dataclasses.dataclass
class RequestSpec:
    size: int
    extra_specs: dict
    availability_zone: str | None = None
    #: Set when placing a replica of an existing share.
    is_replica: bool = False
    share_id: str | None = None
    active_replica_host: str | None = None
    active_replica_az: str | None = None
    active_replica_domain: str | None = None
    #: host@backend of every backend already holding an instance.
    existing_backends: frozenset = frozenset()
    only_host: str | None = None
