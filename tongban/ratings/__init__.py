"""政务服务好差评 (GB/T 39734/39735): ratings, rectification, rankings."""
