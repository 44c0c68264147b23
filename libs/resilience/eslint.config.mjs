import baseConfig from '../../eslint.config.mjs';
import { apiOnly } from '../../eslint.api-only.mjs';

export default [...baseConfig, apiOnly];
